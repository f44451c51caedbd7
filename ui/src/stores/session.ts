/**
 * Who is signed in: the token and the user from POST /api/auth/login, kept in localStorage so
 * that a reload keeps the session (until the token expires).
 *
 *   const session = useSession();
 *   await session.login("admin", password);   session.user?.role === "admin";   session.logout();
 */
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { type Answer, api, setToken } from "../api/client.ts";

export type LoggedIn = Answer<"/api/auth/login", "post">;
export type User = LoggedIn["user"];
type SignupBody = Parameters<typeof signupBody>[0];
const signupBody = (body: {
  username: string;
  email: string;
  password: string;
  displayName: string;
  role: "listener" | "artist";
}) => body;

const storageKey = "vobe.session";

function restore(now = Date.now()): LoggedIn | undefined {
  try {
    const raw = localStorage.getItem(storageKey);
    if (!raw) return undefined;
    const saved = JSON.parse(raw) as LoggedIn;
    if (!saved.token || new Date(saved.expiresAt).getTime() <= now) return undefined;
    return saved;
  } catch {
    return undefined;
  }
}

export const useSession = defineStore("session", () => {
  const saved = ref<LoggedIn | undefined>(restore());
  setToken(saved.value?.token);

  const user = computed<User | undefined>(() => saved.value?.user);
  const isAdmin = computed(() => user.value?.role === "admin");
  /** For what cannot send a header (EventSource: the guide's reply stream). */
  const token = computed<string | undefined>(() => saved.value?.token);

  function keep(value: LoggedIn | undefined) {
    saved.value = value;
    setToken(value?.token);
    try {
      if (value) localStorage.setItem(storageKey, JSON.stringify(value));
      else localStorage.removeItem(storageKey);
    } catch {
      // Private mode: the session lasts for this page only.
    }
  }

  async function login(usernameOrEmail: string, password: string): Promise<User> {
    const answer = await api.send("post", "/api/auth/login", {
      body: { usernameOrEmail, password },
    });
    keep(answer);
    return answer.user;
  }

  /** Creates the account, then logs in with it (sign-up answers no token). */
  async function signup(body: SignupBody): Promise<User> {
    await api.send("post", "/api/auth/signup", { body: signupBody(body) });
    return login(body.username, body.password);
  }

  function logout() {
    keep(undefined);
  }

  /** After a profile edit: the header shows the new name at once. */
  function rename(displayName: string) {
    if (saved.value) keep({ ...saved.value, user: { ...saved.value.user, displayName } });
  }

  /** A 401 from any call: the token is gone or expired. */
  function expired() {
    keep(undefined);
  }

  return { user, isAdmin, token, login, signup, logout, expired, rename };
});
