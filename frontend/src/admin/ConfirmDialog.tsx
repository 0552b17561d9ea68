import { ConfirmationModal } from "@jobber/components/ConfirmationModal";

/**
 * An action's confirmation (Atlantis' ConfirmationModal). A chunk of its own: the dialog, its
 * positioning library and Markdown renderer are half the console's JavaScript, and only an
 * operator about to act needs them.
 */
export default function ConfirmDialog({
  title,
  message,
  confirmLabel,
  destructive,
  onConfirm,
  onCancel,
}: {
  title: string;
  message: string;
  confirmLabel: string;
  destructive?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  return (
    <ConfirmationModal
      open
      title={title}
      message={message}
      confirmLabel={confirmLabel}
      variation={destructive ? "destructive" : "work"}
      onConfirm={onConfirm}
      onCancel={onCancel}
      onRequestClose={onCancel}
    />
  );
}
