// The load / loading / error cycle shared by the stores that list one kind of record,
// so every list shows its states and reports its failures the same way.
import { ref, shallowRef } from "vue";
import { loadErrorMessage } from "../errors";

export function loadableList<T>(fetchItems: () => Promise<T[]>) {
  // Shallow: a load replaces the whole list and nothing edits the records in place.
  const items = shallowRef<T[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      items.value = await fetchItems();
    } catch (e) {
      error.value = loadErrorMessage(e);
    } finally {
      loading.value = false;
    }
  }

  return { items, loading, error, load };
}
