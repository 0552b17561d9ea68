import { ConfirmationModal } from "@jobber/components/ConfirmationModal";

/** "Disconnect from Jobber?": one more click to confirm (or Cancel / Escape). */
export default function DisconnectModal({
  appName,
  onConfirm,
  onCancel,
}: {
  appName: string;
  onConfirm(): void;
  onCancel(): void;
}) {
  return (
    <ConfirmationModal
      open
      title="Disconnect from Jobber?"
      message={`${appName} will ask Jobber to end its access to your account, then delete all the data it synced. Nothing in Jobber changes, and you can connect again later.`}
      confirmLabel="Disconnect"
      variation="destructive"
      onConfirm={onConfirm}
      onCancel={onCancel}
      onRequestClose={onCancel}
    />
  );
}
