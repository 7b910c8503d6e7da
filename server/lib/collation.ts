// The order people read lists in: French alphabetical order, accents after their letter,
// numbers by value ("2nde B" before "2nde C", "T2" before "T10").
export const frenchOrder = new Intl.Collator("fr", { numeric: true }).compare;

/** Last name, then first name. */
export const byName = (a: { lastName: string; firstName: string }, b: { lastName: string; firstName: string }) =>
  frenchOrder(a.lastName, b.lastName) || frenchOrder(a.firstName, b.firstName);
