// The school's students: importing the class roster (a CSV from Pronote or another tool).
// Choosing a file shows its preview at once; changing a column's mapping previews it again;
// nothing is written until the admin imports it.
import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import { api } from "../api/client";
import type { RosterField, RosterImportResponse } from "../api/types";
import { errorMessage } from "../errors";

/** The file's bytes in base64, the way the API takes them (its encoding is sniffed there). */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export const useStudentsStore = defineStore("students", () => {
  const fileName = ref<string | null>(null);
  const content = ref<string | null>(null);
  const mapping = ref<Record<string, RosterField | null>>({});
  const result = shallowRef<RosterImportResponse | null>(null);
  const busy = ref(false);
  const error = ref<string | null>(null);

  const canImport = computed(() => {
    const r = result.value;
    return !!r && !r.committed && r.preview.missingFields.length === 0 && r.counts.added + r.counts.updated > 0 && !busy.value;
  });

  async function run(commit: boolean): Promise<void> {
    if (!content.value) return;
    busy.value = true;
    error.value = null;
    try {
      result.value = await api.importRoster({ content: content.value, mapping: mapping.value, commit });
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      busy.value = false;
    }
  }

  async function choose(file: File): Promise<void> {
    fileName.value = file.name;
    mapping.value = {};
    result.value = null;
    content.value = await base64Of(file);
    await run(false);
  }

  async function map(header: string, field: RosterField | null): Promise<void> {
    mapping.value = { ...mapping.value, [header]: field };
    await run(false);
  }

  return { fileName, mapping, result, busy, error, canImport, choose, map, commit: () => run(true) };
});
