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

// The first number a page formats makes the browser load the locale's number data (about
// 20 ms here, 80 ms under Lighthouse's 4× CPU throttle): done while the first reads are on
// the network, not in the task that renders their answers (bench/web).
const warmNumbers = () => i18n.global.n(0, "integer");
if ("requestIdleCallback" in window) requestIdleCallback(warmNumbers, { timeout: 2_000 });
else setTimeout(warmNumbers, 0);
