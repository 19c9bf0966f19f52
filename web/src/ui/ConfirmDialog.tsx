import type { ComponentChildren } from 'preact';
import { Dialog } from './Dialog.tsx';
import './confirm.css';

/**
 * "Are you sure?" in a dialog: what will happen, the action (its own words,
 * never "OK") and a way back. `danger`: the action destroys something.
 */
export function ConfirmDialog(props: {
  title: string;
  text: ComponentChildren;
  confirm: string;
  cancel: string;
  danger?: boolean;
  testid?: string;
  confirmTestid?: string;
  onConfirm: () => void;
  close: () => void;
}) {
  return (
    <Dialog title={props.title} close={props.close}>
      <div class="confirm-body" data-testid={props.testid}>
        <p>{props.text}</p>
        <div class="row">
          <button
            type="button"
            class={props.danger ? 'primary danger-fill' : 'primary'}
            data-testid={props.confirmTestid}
            onClick={() => {
              props.close();
              props.onConfirm();
            }}
          >
            {props.confirm}
          </button>
          <button type="button" onClick={props.close}>
            {props.cancel}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
