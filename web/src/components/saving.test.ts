import { describe, expect, it } from "vitest";
import { ApiError } from "../api/client";
import { useSaving } from "./saving";

const refusal = (status: number, code: string) => new ApiError({ status, code, message: "Refusé par le serveur", requestId: "r" });

describe("useSaving", () => {
  it("shows the confirmation, or the refusal the page must show itself", async () => {
    const saving = useSaving();
    await saving.run(async () => "Enregistré.");
    expect([saving.error, saving.success, saving.pending]).toEqual([null, "Enregistré.", false]);

    const seen: unknown[] = [];
    await saving.run(() => Promise.reject(refusal(409, "CONFLICT")), (e) => seen.push(e));
    expect([saving.error, saving.success]).toEqual(["Refusé par le serveur", null]);
    expect(seen).toHaveLength(1);

    // The global notice reports an expired session: nothing inline.
    await saving.run(() => Promise.reject(refusal(401, "UNAUTHENTICATED")));
    expect(saving.error).toBeNull();
  });

  it("ignores a submit while a save runs", async () => {
    const saving = useSaving();
    let finish = (_: string) => {};
    const first = saving.run(() => new Promise<string>((resolve) => (finish = resolve)));
    await saving.run(async () => "second");
    saving.show({ error: "trop tard" });
    expect([saving.pending, saving.error, saving.success]).toEqual([true, null, null]);
    finish("first");
    await first;
    expect([saving.pending, saving.success]).toEqual([false, "first"]);
  });

  it("shows an outcome found without the server", () => {
    const saving = useSaving();
    saving.show({ error: "Valeur refusée." });
    expect([saving.error, saving.success]).toEqual(["Valeur refusée.", null]);
    saving.show({ success: "Rien à enregistrer." });
    expect([saving.error, saving.success]).toEqual([null, "Rien à enregistrer."]);
  });
});
