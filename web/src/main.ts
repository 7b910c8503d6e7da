// Entry point: plugins, global API error handling, then the session is loaded once
// before the router makes its first navigation.
import { createPinia } from "pinia";
import { createApp } from "vue";
import App from "./App.vue";
import { installApiErrorHandling } from "./errorHandling";
import { i18n } from "./i18n";
import { router } from "./router";
import { useSessionStore } from "./stores/session";
import "./styles.css";

const app = createApp(App);
app.use(createPinia());
app.use(i18n);
installApiErrorHandling(router);

void useSessionStore()
  .load()
  .then(() => {
    app.use(router);
    app.mount("#app");
  });
