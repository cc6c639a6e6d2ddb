import { Card } from "@/components/ui/card";
import { requireActor } from "@/lib/auth/require-actor";
import { myAccessLog } from "@/lib/services/access-log";

export const metadata = { title: "Who accessed my record" };

export default async function AccessLogPage() {
  const actor = await requireActor("patient");
  const entries = await myAccessLog(actor);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Who accessed my record</h1>
      <Card>
        {entries.length === 0 ? <p className="text-sm">No staff member has accessed your record yet.</p> : null}
        {entries.length > 0 ? (
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Staff access to your record, newest first</caption>
            <thead>
              <tr className="border-b">
                <th scope="col" className="py-1">When (UTC)</th>
                <th scope="col">Who</th>
                <th scope="col">Role</th>
                <th scope="col">What</th>
                <th scope="col">Emergency access</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e, i) => (
                <tr key={`${e.at}-${i}`} className="border-b last:border-0">
                  <td className="py-1">{e.at.replace("T", " ").slice(0, 19)}</td>
                  <td>{e.who}</td>
                  <td>{e.role}</td>
                  <td>{e.what}</td>
                  <td>{e.breakGlass ? "yes" : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Card>
    </div>
  );
}
