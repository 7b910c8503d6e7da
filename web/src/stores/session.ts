// The signed-in user (staff or student). The CSRF token itself is kept by the API client.
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { api } from "../api/client";
import type { SessionUser } from "../api/types";

/** Access level used by route guards: staff role, or STUDENT. */
export type Access = "ADMIN" | "TEACHER" | "STUDENT";

export function accessOf(user: SessionUser): Access {
  return user.kind === "student" ? "STUDENT" : user.role;
}

export function homePath(user: SessionUser | null): string {
  if (!user) return "/connexion";
  return { ADMIN: "/admin", TEACHER: "/enseignant", STUDENT: "/eleve" }[accessOf(user)];
}

export function loginPath(kind: SessionUser["kind"] | undefined): string {
  return kind === "student" ? "/eleve/connexion" : "/connexion";
}

export const useSessionStore = defineStore("session", () => {
  const user = ref<SessionUser | null>(null);
  const displayName = computed(() => {
    const current = user.value;
    if (!current) return "";
    return current.kind === "staff" ? current.displayName : `${current.firstName} ${current.lastName}`;
  });

  /** Loads the current session; on failure the user stays signed out (the error is reported globally). */
  async function load(): Promise<void> {
    try {
      user.value = (await api.getSession()).user;
    } catch {
      user.value = null;
    }
  }

  async function login(email: string, password: string): Promise<SessionUser> {
    user.value = (await api.login(email, password)).user;
    return user.value;
  }

  async function studentLogin(login: string, accessCode: string): Promise<SessionUser> {
    user.value = (await api.studentLogin(login, accessCode)).user;
    return user.value;
  }

  /** Signs out; the local session is cleared even when the server could not be told. */
  async function logout(): Promise<void> {
    try {
      await api.logout();
    } finally {
      user.value = null;
    }
  }

  function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return api.changePassword(currentPassword, newPassword);
  }

  function clear(): void {
    user.value = null;
  }

  return { user, displayName, load, login, studentLogin, logout, changePassword, clear };
});
