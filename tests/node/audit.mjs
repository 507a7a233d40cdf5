// The graphql-http server audit (GraphQL over HTTP conformance) against a running hub.
//
//     node audit.mjs http://127.0.0.1:8000/graphql
//
// Prints a JSON summary on stdout: how many audits were ok, notices (MAY), warnings
// (SHOULD) and errors (MUST), and the id, name and reason of every audit that was not ok.
// Exits 1 when any audit gives a warning or an error, 2 when the audit cannot run.
import { serverAudits } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node audit.mjs <graphql endpoint URL>");
  process.exit(2);
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const failed = [];
// One audit at a time: the hub under test may share its event loop with the test runner.
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  const result = await audit.fn();
  counts[result.status] += 1;
  if (result.status !== "ok") {
    failed.push({ id: result.id, name: result.name, status: result.status, reason: result.reason });
  }
}
console.log(JSON.stringify({ ...counts, failed }, null, 2));
process.exit(counts.warn + counts.error > 0 ? 1 : 0);
