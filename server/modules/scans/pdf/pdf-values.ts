// Small typed readers over pdf-lib's object model: they resolve references and return undefined
// for a missing or mistyped entry, so that callers can fall back to rendering instead of throwing.
import { PDFArray, PDFBool, PDFDict, PDFName, PDFNumber, type PDFObject, type PDFRawStream } from "pdf-lib";

export function entry(dict: PDFDict, key: string): PDFObject | undefined {
  return dict.lookup(PDFName.of(key));
}

export function numberOf(dict: PDFDict, key: string): number | undefined {
  const value = entry(dict, key);
  return value instanceof PDFNumber ? value.asNumber() : undefined;
}

export function nameOf(dict: PDFDict | undefined, key: string): string | undefined {
  const value = dict ? entry(dict, key) : undefined;
  return value instanceof PDFName ? value.decodeText() : undefined;
}

export function boolOf(dict: PDFDict | undefined, key: string): boolean | undefined {
  const value = dict ? entry(dict, key) : undefined;
  return value instanceof PDFBool ? value.asBoolean() : undefined;
}

/** The numbers of an array, or undefined when any element is not a number. */
export function numbers(value: PDFObject | undefined): number[] | undefined {
  if (!(value instanceof PDFArray)) return undefined;
  const out: number[] = [];
  for (let i = 0; i < value.size(); i += 1) {
    const item = value.lookup(i);
    if (!(item instanceof PDFNumber)) return undefined;
    out.push(item.asNumber());
  }
  return out;
}

/** A stream's filter chain with the DecodeParms of each filter (undefined when absent). */
export interface FilterStep {
  name: string;
  parms: PDFDict | undefined;
}

export function filterChain(stream: PDFRawStream): FilterStep[] | undefined {
  const filter = entry(stream.dict, "Filter");
  const parms = entry(stream.dict, "DecodeParms") ?? entry(stream.dict, "DP");
  if (filter === undefined) return [];
  if (filter instanceof PDFName) {
    return [{ name: filter.decodeText(), parms: parms instanceof PDFDict ? parms : firstDict(parms) }];
  }
  if (!(filter instanceof PDFArray)) return undefined;
  const steps: FilterStep[] = [];
  for (let i = 0; i < filter.size(); i += 1) {
    const name = filter.lookup(i);
    if (!(name instanceof PDFName)) return undefined;
    const itemParms = parms instanceof PDFArray ? parms.lookup(i) : undefined;
    steps.push({ name: name.decodeText(), parms: itemParms instanceof PDFDict ? itemParms : undefined });
  }
  return steps;
}

function firstDict(value: PDFObject | undefined): PDFDict | undefined {
  if (!(value instanceof PDFArray) || value.size() === 0) return undefined;
  const item = value.lookup(0);
  return item instanceof PDFDict ? item : undefined;
}
