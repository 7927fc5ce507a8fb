// Every validator the package shares, declared once: the table fields that
// schema.ts defines tables with, and the `args`/`returns` of registered
// functions, so the API and the stored shape cannot drift apart. Import as
// `* as V`; names are plain nouns (`V.planId`, `V.creditSummary`), field maps
// end in `Fields`, document validators in `Doc`. TypeScript types come from
// `Infer<typeof V.x>`, never declared a second time.

export * from "./fields";
export * from "./results";
