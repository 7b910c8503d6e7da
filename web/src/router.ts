// Routes and role guards. Every route declares meta.public or meta.roles; anything else is refused.
import { createRouter, createWebHistory } from "vue-router";
import { i18n } from "./i18n";
import { accessOf, homePath, useSessionStore, type Access } from "./stores/session";

declare module "vue-router" {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean;
    /** Login pages: a signed-in user is sent to their home instead. */
    guestOnly?: boolean;
    /** Who may open the page. */
    roles?: readonly Access[];
    /** Key in locales of the document title. */
    title?: string;
  }
}

const STAFF: readonly Access[] = ["ADMIN", "TEACHER"];

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    // The session is loaded before the router is installed, so the store is up to date here.
    { path: "/", redirect: () => homePath(useSessionStore().user) },
    {
      path: "/connexion",
      component: () => import("./views/LoginView.vue"),
      meta: { public: true, guestOnly: true, title: "titles.login" },
    },
    {
      path: "/eleve/connexion",
      component: () => import("./views/StudentLoginView.vue"),
      meta: { public: true, guestOnly: true, title: "titles.studentLogin" },
    },
    {
      path: "/admin",
      component: () => import("./views/AdminHomeView.vue"),
      meta: { roles: ["ADMIN"], title: "titles.admin" },
    },
    {
      path: "/admin/eleves/import",
      component: () => import("./views/StudentImportView.vue"),
      meta: { roles: ["ADMIN"], title: "titles.studentImport" },
    },
    {
      path: "/admin/eleves/codes",
      component: () => import("./views/AccessCodesView.vue"),
      meta: { roles: ["ADMIN"], title: "accessCodes.title" },
    },
    {
      path: "/admin/examens/nouveau",
      component: () => import("./views/ExamNewView.vue"),
      meta: { roles: ["ADMIN"], title: "titles.newExam" },
    },
    {
      path: "/admin/examens/:id",
      component: () => import("./views/ExamView.vue"),
      meta: { roles: ["ADMIN"], title: "titles.exam" },
    },
    {
      path: "/admin/examens/:id/identification",
      component: () => import("./views/IdentificationDeskView.vue"),
      meta: { roles: ["ADMIN"], title: "titles.identification" },
    },
    {
      path: "/admin/examens/:id/statistiques",
      component: () => import("./views/StatisticsView.vue"),
      meta: { roles: ["ADMIN"], title: "statistics.title" },
    },
    {
      path: "/enseignant",
      component: () => import("./views/TeacherHomeView.vue"),
      meta: { roles: ["TEACHER"], title: "titles.teacher" },
    },
    {
      path: "/enseignant/examens/:id",
      component: () => import("./views/TeacherExamView.vue"),
      meta: { roles: ["TEACHER"], title: "grading.titles.exam" },
    },
    {
      path: "/enseignant/examens/:id/statistiques",
      component: () => import("./views/StatisticsView.vue"),
      meta: { roles: ["TEACHER"], title: "statistics.title" },
    },
    {
      path: "/enseignant/copies/:id",
      // Admins open a copy read-only (the lock is for graders).
      component: () => import("./views/CopyEditorView.vue"),
      meta: { roles: STAFF, title: "grading.titles.copy" },
    },
    {
      path: "/eleve",
      component: () => import("./views/StudentHomeView.vue"),
      meta: { roles: ["STUDENT"], title: "titles.student" },
    },
    {
      path: "/mot-de-passe",
      component: () => import("./views/ChangePasswordView.vue"),
      meta: { roles: STAFF, title: "titles.password" },
    },
    {
      path: "/:pathMatch(.*)*",
      component: () => import("./views/NotFoundView.vue"),
      meta: { public: true, title: "titles.notFound" },
    },
  ],
});

router.beforeEach((to) => {
  const user = useSessionStore().user;
  if (to.meta.public) return user && to.meta.guestOnly ? homePath(user) : true;
  const roles = to.meta.roles ?? [];
  if (!user) return roles.includes("STUDENT") ? "/eleve/connexion" : "/connexion";
  return roles.includes(accessOf(user)) ? true : homePath(user);
});

router.afterEach((to) => {
  const appName = i18n.global.t("app.name");
  document.title = to.meta.title ? `${i18n.global.t(to.meta.title)} — ${appName}` : appName;
});
