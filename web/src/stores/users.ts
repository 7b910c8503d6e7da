// Staff accounts of the school, as listed for administrators.
import { defineStore } from "pinia";
import { ref } from "vue";
import { api } from "../api/client";
import type { StaffUser } from "../api/types";
import { loadErrorMessage } from "../errors";

export const useUsersStore = defineStore("users", () => {
  const users = ref<StaffUser[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      users.value = (await api.listUsers()).users;
    } catch (e) {
      error.value = loadErrorMessage(e);
    } finally {
      loading.value = false;
    }
  }

  return { users, loading, error, load };
});
