// Names of the files Korrigo hands out: downloads and the entries of a ZIP.

// Bidirectional controls reorder what follows them: "copie\u202Egnp.exe" shows as "copieexe.png".
const BIDI = "\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069";

/** Bidirectional controls, none of which a file's name needs. */
export const BIDI_CONTROLS = new RegExp(`[${BIDI}]`, "gu");

/** Characters no common file system accepts in a name (Windows' list, which covers the others), control characters and bidirectional controls. */
export const UNSAFE_IN_FILE_NAMES = new RegExp(`[\\\\/:*?"<>|\\p{Cc}${BIDI}]`, "gu");
