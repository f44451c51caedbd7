/**
 * The app's pages. Each view is its own chunk (the home page loads only what it shows); after
 * each navigation the title follows the page and focus moves to the main region, so a screen
 * reader or keyboard user starts at the new content.
 */
import { nextTick } from "vue";
import { createRouter, createWebHistory } from "vue-router";
import { i18n } from "./i18n/index.ts";

export const router = createRouter({
  history: createWebHistory(),
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  routes: [
    {
      path: "/",
      name: "home",
      component: () => import("./views/HomeView.vue"),
      meta: { title: "home.title" },
    },
    {
      path: "/artists",
      name: "artists",
      component: () => import("./views/ArtistsView.vue"),
      meta: { title: "artists.title" },
    },
    {
      path: "/artists/:id",
      name: "artist",
      component: () => import("./views/ArtistView.vue"),
      props: true,
    },
    {
      path: "/albums/:id",
      name: "album",
      component: () => import("./views/AlbumView.vue"),
      props: true,
    },
    {
      path: "/tracks/:id",
      name: "track",
      component: () => import("./views/TrackView.vue"),
      props: true,
    },
    {
      path: "/playlists",
      name: "playlists",
      component: () => import("./views/PlaylistsView.vue"),
      meta: { title: "playlists.title" },
    },
    {
      path: "/playlists/:id",
      name: "playlist",
      component: () => import("./views/PlaylistView.vue"),
      props: true,
    },
    {
      path: "/search",
      name: "search",
      component: () => import("./views/SearchView.vue"),
      meta: { title: "search.title" },
    },
    {
      path: "/posts",
      name: "feed",
      component: () => import("./views/FeedView.vue"),
      meta: { title: "feed.title" },
    },
    {
      path: "/posts/:id",
      name: "post",
      component: () => import("./views/PostView.vue"),
      props: true,
    },
    {
      path: "/guide/:conversationId?",
      name: "guide",
      component: () => import("./views/guide/GuideView.vue"),
      props: true,
      meta: { title: "guide.title" },
    },
    {
      path: "/login",
      name: "login",
      component: () => import("./views/LoginView.vue"),
      meta: { title: "account.loginTitle" },
    },
    {
      path: "/signup",
      name: "signup",
      component: () => import("./views/SignupView.vue"),
      meta: { title: "account.signupTitle" },
    },
    {
      path: "/account",
      name: "account",
      component: () => import("./views/AccountView.vue"),
      meta: { title: "profile.title" },
    },
    {
      path: "/library",
      name: "library",
      component: () => import("./views/LibraryView.vue"),
      meta: { title: "likes.library" },
    },
    {
      path: "/feedback",
      name: "feedback",
      component: () => import("./views/FeedbackView.vue"),
      meta: { title: "feedback.title" },
    },
    {
      path: "/dashboard",
      name: "dashboard",
      component: () => import("./views/artist-dashboard/DashboardView.vue"),
      meta: { title: "dashboard.title" },
    },
    {
      path: "/dashboard/artists/:id",
      name: "artist-dashboard",
      component: () => import("./views/artist-dashboard/ArtistDashboardView.vue"),
      props: true,
      meta: { title: "dashboard.title" },
    },
    {
      path: "/admin/feedback",
      name: "admin-feedback",
      component: () => import("./views/AdminFeedbackView.vue"),
      meta: { title: "admin.title" },
    },
    {
      path: "/ops",
      name: "ops",
      component: () => import("./views/ops/OpsOverviewView.vue"),
      meta: { title: "ops.overview.title" },
    },
    {
      path: "/ops/dead-letters",
      name: "ops-dead-letters",
      component: () => import("./views/ops/OpsDeadLettersView.vue"),
      meta: { title: "ops.dlq.title" },
    },
    {
      path: "/ops/views",
      name: "ops-views",
      component: () => import("./views/ops/OpsViewsView.vue"),
      meta: { title: "ops.views.title" },
    },
    {
      path: "/ops/topics",
      name: "ops-topics",
      component: () => import("./views/ops/OpsTopicsView.vue"),
      meta: { title: "ops.topics.title" },
    },
    {
      path: "/ops/schemas",
      name: "ops-schemas",
      component: () => import("./views/ops/OpsSchemasView.vue"),
      meta: { title: "ops.registry.title" },
    },
    {
      path: "/ops/topologies",
      name: "ops-topologies",
      component: () => import("./views/ops/OpsTopologiesView.vue"),
      meta: { title: "ops.topologies.title" },
    },
    {
      path: "/ops/audit",
      name: "ops-audit",
      component: () => import("./views/ops/OpsAuditView.vue"),
      meta: { title: "ops.audit.title" },
    },
    {
      path: "/:rest(.*)*",
      name: "not-found",
      component: () => import("./views/NotFoundView.vue"),
      meta: { title: "notFound.title" },
    },
  ],
});

/** Pages with a data-driven title call this once they know it. */
export function setPageTitle(title: string | undefined): void {
  const app = i18n.global.t("app.name");
  document.title = title ? `${title} · ${app}` : app;
}

router.afterEach((to, from) => {
  const key = to.meta.title as string | undefined;
  setPageTitle(key ? i18n.global.t(key) : undefined);
  if (from.matched.length === 0) return; // the first page: the browser starts at the top
  void nextTick().then(() => document.getElementById("main")?.focus({ preventScroll: true }));
});
