import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CodedError } from '@slack/oauth';

/**
 * What the person installing KPI Bot sees when the installation does not finish: a short page saying what
 * happened and what to do, with a 4xx status (it is about their request, not a fault of the bot), except when
 * the installation could not be saved (500).
 */

type TPage = { status: number; title: string; text: string };

const PAGES: Record<string, TPage> = {
  access_denied: {
    status: 403,
    title: 'Installation cancelled',
    text: 'You chose not to allow KPI Bot, so nothing was installed. You can start again whenever you like.',
  },
  slack_oauth_missing_state: {
    status: 400,
    title: 'This installation link is incomplete',
    text: 'Start the installation again from the install page.',
  },
  slack_oauth_invalid_state: {
    status: 400,
    title: 'This installation link has expired',
    text: 'It was opened in another browser, used twice or is too old. Start the installation again from the install page.',
  },
  slack_oauth_missing_code: {
    status: 400,
    title: 'Slack did not finish the installation',
    text: 'The link Slack sent back has no authorization code. Start the installation again from the install page.',
  },
  slack_oauth_installer_authorization_error: {
    status: 400,
    title: 'Slack did not accept the installation',
    text: 'Slack refused the authorization code: it was used already (the page was reloaded, or opened twice) or it expired. If you already saw that KPI Bot is installed, it is; otherwise start the installation again from the install page.',
  },
};

/** Slack sent the installer back with an error other than a cancel: a set-up problem of this deployment. */
function setupProblem(flowError: string): TPage {
  const reason = /^[a-z0-9_]{1,64}$/.test(flowError) ? flowError : 'an unknown error';
  return {
    status: 400,
    title: 'Slack could not install KPI Bot',
    text: `Slack reported ${reason}. Starting again will not help: this is a set-up problem of this KPI Bot deployment (its app settings in Slack). Please tell whoever runs KPI Bot.`,
  };
}

const STORE_FAILED: TPage = {
  status: 500,
  title: 'KPI Bot could not save the installation',
  text: 'Slack accepted the installation, but KPI Bot could not store it, so it will not work yet. Please try again in a few minutes; if it keeps failing, tell whoever runs KPI Bot.',
};

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

export function renderInstallPage(page: TPage, installPath = '/slack/install'): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(page.title)} · KPI Bot</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1d3557}</style>
</head><body><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.text)}</p>
<p><a href="${escapeHtml(installPath)}">Install KPI Bot</a></p></body></html>
`;
}

/** The page for a failed OAuth callback (Bolt's `callbackOptions.failure`). */
export function installFailurePage(
  error: CodedError,
  _options: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const flowError = new URL(req.url ?? '/', 'http://x').searchParams.get('error');
  // oauth.v2.access refusing the code comes as a Web API platform error: a used or expired code is the
  // installer's to retry; anything else (a wrong client secret or redirect URL) is a set-up problem.
  const slackError = (error as { data?: { error?: unknown } }).data?.error;
  if (
    error.code === 'slack_webapi_platform_error' &&
    typeof slackError === 'string' &&
    !/^(invalid_code|code_already_used|code_expired)$/.test(slackError)
  ) {
    const problem = renderInstallPage(setupProblem(slackError));
    res.writeHead(400, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(problem),
    });
    res.end(problem);
    return;
  }
  const code =
    error.code === 'slack_webapi_platform_error' ? 'slack_oauth_installer_authorization_error' : error.code;
  const page =
    (flowError === 'access_denied' ? PAGES.access_denied : undefined) ??
    (flowError ? setupProblem(flowError) : undefined) ??
    PAGES[code] ??
    STORE_FAILED;
  const html = renderInstallPage(page);
  res.writeHead(page.status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}
