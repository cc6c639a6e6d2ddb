/** `npm run keys:generate`: fresh production key material as environment lines, for a secret manager. */
import { generateProductionKeys } from "@/lib/crypto/keys";

console.log(generateProductionKeys());
