/** Dark or light: the person's choice (localStorage), else what the system prefers. */
export type Theme = "dark" | "light";
const key = "vobe.theme";

export function initialTheme(): Theme {
  try {
    const stored = localStorage.getItem(key);
    if (stored === "dark" || stored === "light") return stored;
  } catch {
    // no storage: the system's preference
  }
  return matchMedia?.("(prefers-color-scheme: light)").matches ? "light" : "dark";
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

export function chooseTheme(theme: Theme): void {
  applyTheme(theme);
  try {
    localStorage.setItem(key, theme);
  } catch {
    // private mode
  }
}
