import { Button } from "@jobber/components/Button";
import { Text } from "@jobber/components/Text";
import { useNavigate } from "react-router-dom";
import { AdminPage } from "./AdminPage";

/** A console address that leads nowhere. */
export function NotFoundPage() {
  // Not Button's `to`: Atlantis links through its own router in tests (vite dedupes it in builds).
  const navigate = useNavigate();
  return (
    <AdminPage title="Page not found">
      <Text>The console has no page at this address.</Text>
      <div className="button-row">
        <Button label="All installs" type="secondary" onClick={() => navigate("/")} />
      </div>
    </AdminPage>
  );
}
