// vue-i18n setup (composition API). French is the only locale for now; every UI string
// lives in locales/fr.json.
import { createI18n } from "vue-i18n";
import fr from "./locales/fr.json";

export const i18n = createI18n({
  legacy: false,
  locale: "fr",
  fallbackLocale: "fr",
  messages: { fr },
  datetimeFormats: {
    fr: {
      day: { year: "numeric", month: "short", day: "numeric" },
      dateTime: { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" },
    },
  },
});
