// Server health and the worker round-trip test, for administrators.
import { defineStore } from "pinia";
import { ref } from "vue";
import { api } from "../api/client";
import type { HealthResponse, PingResponse } from "../api/types";
import { inlineErrorMessage, loadErrorMessage } from "../errors";

export const useSystemStore = defineStore("system", () => {
  const health = ref<HealthResponse | null>(null);
  const healthError = ref<string | null>(null);
  const ping = ref<PingResponse | null>(null);
  const pinging = ref(false);
  const pingError = ref<string | null>(null);

  async function loadHealth(): Promise<void> {
    healthError.value = null;
    try {
      health.value = await api.health();
    } catch (e) {
      health.value = null;
      healthError.value = loadErrorMessage(e);
    }
  }

  async function pingWorker(): Promise<void> {
    pinging.value = true;
    ping.value = null;
    pingError.value = null;
    try {
      ping.value = await api.pingWorker();
    } catch (e) {
      pingError.value = inlineErrorMessage(e);
    } finally {
      pinging.value = false;
    }
  }

  return { health, healthError, ping, pinging, pingError, loadHealth, pingWorker };
});
