import { createPinia } from "pinia";
import { createApp } from "vue";
import App from "./App.vue";
import { applyDocumentLocale, i18n } from "./i18n/index.ts";
import { router } from "./router.ts";
import { applyTheme, initialTheme } from "./theme.ts";
import "./styles/main.css";

applyTheme(initialTheme());
applyDocumentLocale(i18n.global.locale.value);
createApp(App).use(createPinia()).use(i18n).use(router).mount("#app");
