// Saving a file the API answered with (a PDF…) under a given name, as a download.
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has read the address once the click is handled.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
