// Response types of the Korrigo HTTP API (base path /api).

export type StaffRole = "ADMIN" | "TEACHER";

export interface School {
  id: string;
  name: string;
}

export interface StaffSessionUser {
  kind: "staff";
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  school: School;
}

export interface StudentSessionUser {
  kind: "student";
  id: string;
  login: string;
  firstName: string;
  lastName: string;
  className: string;
  school: School;
}

export type SessionUser = StaffSessionUser | StudentSessionUser;

export interface SessionResponse {
  user: SessionUser | null;
  csrfToken: string;
}

export interface LoginResponse {
  user: SessionUser;
  csrfToken: string;
}

export interface StaffUser {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  disabled: boolean;
  lastLoginAt: string | null;
}

export interface UsersResponse {
  users: StaffUser[];
}

export type ExamStatus = "DRAFT" | "OPEN" | "PUBLISHED" | "ARCHIVED";

export interface Exam {
  id: string;
  title: string;
  subject: string;
  /** Calendar day, YYYY-MM-DD. */
  date: string;
  classNames: string[];
  status: ExamStatus;
  questionCount: number;
  totalPoints: number;
  reportScale: number;
}

export interface ExamsResponse {
  exams: Exam[];
}

export interface PingResponse {
  ok: true;
  roundTripMs: number;
  workerId: string;
}

export interface HealthCheck {
  ok: boolean;
  message?: string;
}

export interface HealthResponse {
  status: "ok" | "degraded";
  version: string;
  commit: string;
  uptimeSeconds: number;
  checks: Record<string, HealthCheck>;
}

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    requestId: string;
    details?: unknown;
  };
}
