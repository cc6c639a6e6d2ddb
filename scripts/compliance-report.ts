import { writeFileSync } from "node:fs";
import { loadControls } from "@/lib/compliance/controls";
import { controlsCsv, controlsMarkdown } from "@/lib/compliance/render";

// Renders the evidence matrix next to its data; lib/compliance/controls.test.ts fails when these files drift.
const controls = loadControls();
writeFileSync("docs/compliance/controls.md", controlsMarkdown(controls));
writeFileSync("docs/compliance/controls.csv", controlsCsv(controls));
const count = (status: string) => controls.filter((control) => control.status === status).length;
console.log(
  `${controls.length} controls: ${count("met")} met, ${count("partial")} partial, ${count("not covered")} not covered` +
    " -> docs/compliance/controls.md, docs/compliance/controls.csv",
);
