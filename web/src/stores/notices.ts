// The application-wide message shown by AppNotice (session expired, access denied…).
import { defineStore } from "pinia";
import { ref } from "vue";

export const useNoticeStore = defineStore("notices", () => {
  const message = ref<string | null>(null);

  function show(text: string): void {
    message.value = text;
  }

  function dismiss(): void {
    message.value = null;
  }

  return { message, show, dismiss };
});
