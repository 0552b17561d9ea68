import { Button } from "@jobber/components/Button";
import { InputPassword } from "@jobber/components/InputPassword";
import { Text } from "@jobber/components/Text";
import { useState, type FormEvent } from "react";
import { Panel } from "../features/shared/Panel";
import { AdminPage } from "./AdminPage";
import { signIn } from "./session";

/**
 * The operator's token, exchanged for a short-lived session cookie. The token is sent once and
 * not kept: the field is cleared whatever the answer.
 */
export function SignInPage({ notice, onSignedIn }: { notice: string | null; onSignedIn(): void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    if (!token.trim()) {
      setError("Enter the admin token.");
      return;
    }
    setBusy(true);
    setError(null);
    const result = await signIn(token.trim());
    setBusy(false);
    setToken("");
    if (result.ok) onSignedIn();
    else setError(result.message);
  };

  return (
    <main id="main" className="admin-sign-in">
      <AdminPage title="Operator console">
        <Panel title="Sign in">
          {notice && <Text>{notice}</Text>}
          <Text variation="subdued">
            Enter the admin token this deployment was started with (ADMIN_TOKEN). The console stays signed
            in for a short while, then asks again.
          </Text>
          <form className="admin-sign-in-form" onSubmit={(event) => void submit(event)} noValidate>
            <InputPassword
              placeholder="Admin token"
              name="token"
              value={token}
              onChange={(value) => setToken(value)}
              invalid={error !== null}
            />
            <div role="alert" className="admin-sign-in-error">
              {error && <Text variation="error">{error}</Text>}
            </div>
            <div className="button-row">
              <Button label="Sign in" submit loading={busy} />
            </div>
          </form>
        </Panel>
      </AdminPage>
    </main>
  );
}
