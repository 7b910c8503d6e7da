// The component's native <dialog> (template ref `refName`) shown as a modal while `isOpen`
// holds: focus stays inside, Esc closes it.
import { useTemplateRef, watch } from "vue";

export function useModalDialog(refName: string, isOpen: () => boolean): void {
  const dialog = useTemplateRef<HTMLDialogElement>(refName);
  watch(
    isOpen,
    (open) => {
      const el = dialog.value;
      if (!el) return;
      if (open && !el.open) el.showModal();
      else if (!open && el.open) el.close();
    },
    { flush: "post" },
  );
}
