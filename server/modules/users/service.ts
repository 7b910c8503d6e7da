// Staff accounts of a school.
import type { Db } from "../../lib/db.js";

export async function listStaff(db: Db, schoolId: string) {
  return db.user.findMany({
    where: { schoolId },
    orderBy: [{ role: "asc" }, { displayName: "asc" }],
    select: { id: true, email: true, displayName: true, role: true, disabled: true, lastLoginAt: true },
  });
}
