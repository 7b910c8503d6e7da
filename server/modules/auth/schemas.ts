import { z } from "zod";

export const StaffLoginBody = z.object({
  email: z.string().trim().toLowerCase().min(1).max(320),
  password: z.string().min(1).max(1024),
});

export const StudentLoginBody = z.object({
  login: z.string().trim().toLowerCase().min(1).max(64),
  accessCode: z.string().trim().min(1).max(128),
});

export const ChangePasswordBody = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(1).max(1024),
});
