import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { session } from './session';
import { allowed, homeFor, LIAISON, OFFICE_ROLES, RECEIVER } from './roles';
import type { Role } from './session';

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    roles?: Role[];
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', component: () => import('./views/LoginView.vue'), meta: { public: true } },
  { path: '/public/survey', component: () => import('./views/SurveyAnswerView.vue'), meta: { public: true } },
  { path: '/public/petition', component: () => import('./views/PetitionView.vue'), meta: { public: true } },
  { path: '/forbidden', component: () => import('./views/ForbiddenView.vue') },
  { path: '/', redirect: () => homeFor(session.claims?.roles ?? []) },
  { path: '/dashboard', component: () => import('./views/DashboardView.vue'), meta: { roles: OFFICE_ROLES } },
  { path: '/rounds', component: () => import('./views/RoundsView.vue'), meta: { roles: OFFICE_ROLES } },
  { path: '/rounds/:id', component: () => import('./views/RoundView.vue'), meta: { roles: OFFICE_ROLES } },
  { path: '/engagements', component: () => import('./views/EngagementsView.vue'), meta: { roles: OFFICE_ROLES } },
  { path: '/engagements/:id', component: () => import('./views/EngagementView.vue'), meta: { roles: OFFICE_ROLES } },
  { path: '/interviews/:id', component: () => import('./views/InterviewView.vue'), meta: { roles: OFFICE_ROLES } },
  { path: '/issues', component: () => import('./views/IssuesView.vue'), meta: { roles: OFFICE_ROLES } },
  { path: '/rectification', component: () => import('./views/RectificationView.vue'), meta: { roles: [...OFFICE_ROLES, ...LIAISON] } },
  { path: '/feedback', component: () => import('./views/FeedbackView.vue'), meta: { roles: LIAISON } },
  { path: '/clues', component: () => import('./views/CluesView.vue'), meta: { roles: [...OFFICE_ROLES, ...RECEIVER] } },
  { path: '/:rest(.*)*', component: () => import('./views/NotFoundView.vue'), meta: { public: true } },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach((to) => {
  if (to.meta.public) return true;
  if (!session.claims) return { path: '/login', query: { next: to.fullPath } };
  if (!allowed(to.meta.roles, session.claims.roles)) return { path: '/forbidden', query: { from: to.fullPath } };
  return true;
});
