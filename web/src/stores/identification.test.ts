import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError } from "../api/client";
import type { DeskBooklet, IdentificationResponse } from "../api/types";
import { deskBooklet, deskStudent } from "../components/deskFixtures";
import { POLL_MS, useIdentificationStore } from "./identification";

function view(booklets: DeskBooklet[], over: Partial<IdentificationResponse> = {}): IdentificationResponse {
  return {
    exam: { id: "e1", title: "Brevet blanc", headerKind: "FREE_BOX", classNames: ["3e A"], coverSheets: 0 },
    summary: { booklets: booklets.length, reading: 0, pending: 0, identified: 0, setAside: 0 },
    booklets,
    students: [deskStudent("s1", "DUPONT", "Marie"), deskStudent("s2", "MARTIN", "Hugo")],
    discardedPages: [],
    ...over,
  };
}

const identified = (id: string, studentId: string) => deskBooklet(id, { status: "IDENTIFIED", studentId, method: "MANUAL" });
const conflict = (message: string) => new ApiError({ status: 409, code: "STUDENT_HAS_COPY", message, requestId: "r" });

describe("identification store", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
  });

  afterEach(() => {
    useIdentificationStore().close();
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it("opens on the first booklet to identify, with the counts", async () => {
    vi.spyOn(api, "getIdentification").mockResolvedValue(view([identified("b1", "s1"), deskBooklet("b2"), deskBooklet("b3")]));
    const desk = useIdentificationStore();
    await desk.open("e1");
    expect(desk.currentId).toBe("b2");
    expect(desk.summary).toEqual({ booklets: 3, reading: 0, pending: 2, identified: 1, setAside: 0 });
    expect(desk.visible.map((b) => b.id)).toEqual(["b2", "b3"]);
    expect(desk.takenBy.get("s1")?.id).toBe("b1");
  });

  it("confirms a student, puts the answer in place and moves on to the next booklet", async () => {
    vi.spyOn(api, "getIdentification").mockResolvedValue(view([deskBooklet("b1"), deskBooklet("b2"), deskBooklet("b3")]));
    const identify = vi.spyOn(api, "identifyBooklet").mockResolvedValue({ booklets: [identified("b1", "s2")] });
    const desk = useIdentificationStore();
    await desk.open("e1");
    await expect(desk.identify("b1", "s2")).resolves.toBe(true);
    expect(identify).toHaveBeenCalledWith("b1", "s2", false);
    expect(desk.currentId).toBe("b2");
    expect(desk.summary.pending).toBe(2);
    expect(desk.visible.map((b) => b.id)).toEqual(["b2", "b3"]);
    expect(desk.takenBy.get("s2")?.id).toBe("b1");

    // Changing the student of an identified booklet says so.
    desk.select("b1");
    identify.mockResolvedValue({ booklets: [identified("b1", "s1")] });
    await desk.identify("b1", "s1");
    expect(identify).toHaveBeenLastCalledWith("b1", "s1", true);
  });

  it("shows the server's refusal and reloads the desk after a conflict", async () => {
    const load = vi.spyOn(api, "getIdentification").mockResolvedValue(view([identified("b1", "s1"), deskBooklet("b2")]));
    vi.spyOn(api, "identifyBooklet").mockRejectedValue(conflict("Marie DUPONT a déjà une copie dans cet examen : la copie ABC234."));
    const desk = useIdentificationStore();
    await desk.open("e1");
    await expect(desk.identify("b2", "s1")).resolves.toBe(false);
    expect(desk.actionError).toBe("Marie DUPONT a déjà une copie dans cet examen : la copie ABC234.");
    expect(desk.currentId).toBe("b2");
    await vi.waitFor(() => expect(load).toHaveBeenCalledTimes(2));
    expect(desk.busy).toBe(false);
  });

  it("sets aside and moves on; restoring keeps the booklet shown", async () => {
    vi.spyOn(api, "getIdentification").mockResolvedValue(view([deskBooklet("b1"), deskBooklet("b2")]));
    vi.spyOn(api, "setBookletAside").mockResolvedValue({ booklets: [deskBooklet("b1", { status: "SET_ASIDE", setAsideReason: "ABSENT" })] });
    vi.spyOn(api, "restoreBooklet").mockResolvedValue({ booklets: [deskBooklet("b1")] });
    const desk = useIdentificationStore();
    await desk.open("e1");
    await desk.setAside("b1", "ABSENT");
    expect(api.setBookletAside).toHaveBeenCalledWith("b1", "ABSENT");
    expect(desk.summary).toMatchObject({ pending: 1, setAside: 1 });
    expect(desk.currentId).toBe("b2");
    desk.setFilter("setAside");
    expect(desk.currentId).toBe("b1");
    await desk.restore("b1");
    expect(desk.currentId).toBe("b1");
    expect(desk.summary).toMatchObject({ pending: 2, setAside: 0 });
  });

  it("shows the booklet a merged one went into", async () => {
    vi.spyOn(api, "getIdentification").mockResolvedValue(view([deskBooklet("b1"), deskBooklet("b2"), deskBooklet("b3")]));
    const twoPages = deskBooklet("b1", { pages: [...deskBooklet("b1").pages, ...deskBooklet("b2").pages] });
    vi.spyOn(api, "mergeBooklets").mockResolvedValue({ booklets: [twoPages, deskBooklet("b2", { status: "MERGED" })] });
    const desk = useIdentificationStore();
    await desk.open("e1");
    desk.select("b2");
    await desk.merge("b1", "b2");
    expect(api.mergeBooklets).toHaveBeenCalledWith("b1", "b2");
    expect(desk.booklets.map((b) => b.id)).toEqual(["b1", "b3"]);
    expect(desk.currentId).toBe("b1");
    expect(desk.current?.pages).toHaveLength(2);
  });

  it("keeps the discarded pages in step with discard and restore", async () => {
    vi.spyOn(api, "getIdentification").mockResolvedValue(view([deskBooklet("b1")]));
    vi.spyOn(api, "discardPage").mockResolvedValue({ booklets: [deskBooklet("b1", { pages: [] })] });
    vi.spyOn(api, "restorePage").mockResolvedValue({ booklets: [deskBooklet("b1")] });
    const desk = useIdentificationStore();
    await desk.open("e1");
    await desk.discardPage("b1-p1", "b1");
    expect(desk.discarded.map((p) => [p.id, p.bookletId])).toEqual([["b1-p1", "b1"]]);
    expect(desk.current?.pages).toEqual([]);
    await desk.restorePage("b1-p1");
    expect(api.restorePage).toHaveBeenCalledWith("b1-p1", {});
    expect(desk.discarded).toEqual([]);
  });

  it("reloads every few seconds while booklets are read, and stops once all are", async () => {
    vi.useFakeTimers();
    const load = vi
      .spyOn(api, "getIdentification")
      .mockResolvedValueOnce(view([deskBooklet("b1", { status: "READING" })]))
      .mockResolvedValueOnce(view([deskBooklet("b1", { status: "READING" })]))
      .mockResolvedValue(view([deskBooklet("b1", { suggestions: [{ studentId: "s1", confidence: 0.97 }] })]));
    const desk = useIdentificationStore();
    await desk.open("e1");
    expect(desk.summary.reading).toBe(1);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(load).toHaveBeenCalledTimes(3);
    expect(desk.current?.suggestions).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("drops a reload that started before an action landed", async () => {
    vi.spyOn(api, "getIdentification").mockResolvedValueOnce(view([deskBooklet("b1"), deskBooklet("b2")]));
    const desk = useIdentificationStore();
    await desk.open("e1");
    let answer: (v: IdentificationResponse) => void = () => {};
    vi.spyOn(api, "getIdentification").mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    const reload = desk.refresh();
    vi.spyOn(api, "identifyBooklet").mockResolvedValue({ booklets: [identified("b1", "s1")] });
    await desk.identify("b1", "s1");
    answer(view([deskBooklet("b1"), deskBooklet("b2")]));
    await reload;
    expect(desk.booklets[0]?.status).toBe("IDENTIFIED");
  });

  it("previews the suggestions above a threshold, then applies them and reloads", async () => {
    const load = vi.spyOn(api, "getIdentification").mockResolvedValue(view([deskBooklet("b1"), deskBooklet("b2")]));
    const plan = [{ bookletId: "b1", index: 1, batchName: "copies.pdf", studentId: "s1", confidence: 0.93 }];
    const accept = vi
      .spyOn(api, "acceptSuggestions")
      .mockResolvedValueOnce({ plan, applied: 0 })
      .mockResolvedValueOnce({ plan, applied: 1 });
    const desk = useIdentificationStore();
    await desk.open("e1");
    await desk.previewAccept(90);
    expect(accept).toHaveBeenCalledWith("e1", 0.9, true);
    expect(desk.plan).toEqual({ percent: 90, items: plan });
    expect(load).toHaveBeenCalledTimes(1);

    load.mockResolvedValue(view([identified("b1", "s1"), deskBooklet("b2")]));
    await desk.applyAccept();
    expect(accept).toHaveBeenLastCalledWith("e1", 0.9, false);
    expect(desk.plan).toBeNull();
    expect(desk.message).toBe("Une liasse identifiée.");
    expect(load).toHaveBeenCalledTimes(2);
    expect(desk.summary.identified).toBe(1);
  });

  it("waits for a late sheet's pages, then says they arrived", async () => {
    vi.useFakeTimers();
    const load = vi.spyOn(api, "getIdentification").mockResolvedValue(view([deskBooklet("b1")]));
    vi.spyOn(api, "uploadLatePages").mockResolvedValue({ batch: {} as never, duplicate: false });
    const desk = useIdentificationStore();
    await desk.open("e1");
    const file = new File([new Uint8Array([37, 80, 68, 70])], "retard.pdf", { type: "application/pdf" });
    await desk.addLateSheet("b1", 2, file);
    expect(api.uploadLatePages).toHaveBeenCalledWith("b1", 2, file);
    expect(desk.message).toBe("Feuille reçue : elle sera ajoutée à la liasse 1 une fois convertie.");
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(load).toHaveBeenCalledTimes(2);
    expect(desk.late).toHaveLength(1);

    const withSheet = deskBooklet("b1", { pages: [...deskBooklet("b1").pages, { ...deskBooklet("b1").pages[0]!, id: "late", position: 2 }] });
    load.mockResolvedValue(view([withSheet]));
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(desk.late).toEqual([]);
    expect(desk.message).toBe("La feuille rendue en retard a été ajoutée à la liasse 1.");
    await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("reports an exam-wide failure apart from the booklet's", async () => {
    vi.spyOn(api, "getIdentification").mockResolvedValue(view([deskBooklet("b1")]));
    vi.spyOn(api, "rerunIdentification").mockRejectedValue(new ApiError({ status: 409, code: "BUSY", message: "Une identification est déjà en cours.", requestId: "r" }));
    const desk = useIdentificationStore();
    await desk.open("e1");
    await expect(desk.rerun()).resolves.toBe(false);
    expect([desk.examError, desk.actionError]).toEqual(["Une identification est déjà en cours.", null]);
    vi.spyOn(api, "setBookletAside").mockRejectedValue(conflict("Cette liasse est identifiée : retirez d'abord son élève."));
    await desk.setAside("b1", "ABSENT");
    expect([desk.examError, desk.actionError]).toEqual([null, "Cette liasse est identifiée : retirez d'abord son élève."]);
  });
});
