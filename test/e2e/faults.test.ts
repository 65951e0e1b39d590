// Every fault kind on the `ci` Docker stack (test/e2e/fault-checks.ts); the environment stays up for
// the next e2e file (environment.test.ts brings it down).
import { faultChecks } from "./fault-checks.ts";
import { requireEngines } from "./engines.ts";

faultChecks({ stack: "ci", prepare: requireEngines });
