import { installContextKey } from "./context";
import { migrate, type MigrateOptions } from "./migrate";

/** A database ready for the app: migrations applied, then this deployment's context key installed. Owner URL. */
export async function prepareDatabase(ownerUrl: string, options: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const result = await migrate(ownerUrl, options);
  await installContextKey(ownerUrl);
  return result;
}
