// The staff and student login pages, shown by LoginForm.
import { useSessionStore } from "../stores/session";
import type { LoginPage } from "./LoginForm.vue";

export const staffLogin: LoginPage<"email" | "password"> = {
  fields: [
    { name: "email", id: "login-email", label: "login.email", type: "email", autocomplete: "username" },
    { name: "password", id: "login-password", label: "login.password", type: "password", autocomplete: "current-password" },
  ],
  // Passwords are sent as typed: spaces may be part of them.
  signIn: ({ email, password }) => useSessionStore().login(email.trim(), password),
  title: "titles.login",
  intro: "login.intro",
  submitTestid: "login-submit",
  otherLogin: "/eleve/connexion",
  otherLoginText: "login.toStudent",
};

export const studentLogin: LoginPage<"login" | "accessCode"> = {
  fields: [
    { name: "login", id: "student-login", label: "studentLogin.login", type: "text", autocomplete: "username" },
    { name: "accessCode", id: "student-code", label: "studentLogin.code", type: "password", autocomplete: "current-password" },
  ],
  signIn: ({ login, accessCode }) => useSessionStore().studentLogin(login.trim(), accessCode.trim()),
  title: "titles.studentLogin",
  intro: "studentLogin.intro",
  submitTestid: "student-submit",
  otherLogin: "/connexion",
  otherLoginText: "studentLogin.toStaff",
};
