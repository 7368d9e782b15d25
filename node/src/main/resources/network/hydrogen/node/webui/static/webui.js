// The node's WebUI: renders the snapshots and log entries of /api/events, reconnects when the
// stream drops (showing it), and sends the join/pause/resume/quit requests.
'use strict';

const WEI_PER_UNIT = 10n ** 18n;
const SHOWN_DECIMALS = 6;
const MAX_LOGS = 200;
const SILENCE_LIMIT_MS = 30000; // the server pings every 10 s
const RETRY_MAX_MS = 15000;

const STATUS_WORDS = {
  QUIT: 'Not in the network',
  AVAILABLE: 'Available: waiting for tasks',
  BUSY: 'Busy: running a task',
  PENDING_PAUSE: 'Pausing after the current task',
  PENDING_QUIT: 'Quitting after the current task',
  PAUSED: 'Paused',
};

// Plain words for the failures node operators meet most; the entry's own message comes first.
const EXPLANATIONS = [
  [/insufficient funds|not enough (ether|eth|gas)/i,
    'The wallet has too little ether to pay for transactions. Send some ether to the address above.'],
  [/allowance|not enough cnx|balance too low|stake/i,
    'Joining needs the stake amount of CNX in the wallet. Check the CNX balance above.'],
  [/timed? ?out|timeout/i,
    'Something took too long: the network or the chain may be slow or unreachable. The node retries on its own.'],
  [/connect|unreachable|network|refused|dns|unknown host/i,
    'The node could not reach a server (chain RPC or relay). Check the internet connection and the configured addresses.'],
  [/download/i,
    'A model could not be downloaded. Check the disk space, the connection and any proxy settings.'],
  [/slash/i,
    'The node\'s result did not match the others, so part of its stake was taken and it left the network. Join again to continue.'],
  [/disagree/i,
    'The nodes\' results did not match closely enough, so the task was aborted.'],
  [/invalid task/i,
    'The task\'s definition was not valid, so no node ran it. Nothing to do on your side.'],
  [/fee too low/i,
    'The task paid too small a fee and was aborted. Nothing to do on your side.'],
  [/out of memory|oom/i,
    'The GPU or the computer ran out of memory. Close other programs using the GPU, or use a smaller model.'],
];

const $ = (id) => document.getElementById(id);
const buttons = Array.from(document.querySelectorAll('button[data-action]'));
let connected = false;
let allowed = [];
let pending = null;
let source = null;
let silenceTimer = null;
let retryMs = 1000;
let shownStatus = null;
const logKeys = new Set();

/** Wei (a decimal string) as "1,234.5 UNIT", at most SHOWN_DECIMALS decimals, exact in the title. */
function formatWei(wei, unit) {
  let value = BigInt(wei);
  const negative = value < 0n;
  if (negative) value = -value;
  const whole = (value / WEI_PER_UNIT).toLocaleString('en-US');
  const allDecimals = (value % WEI_PER_UNIT).toString().padStart(18, '0').replace(/0+$/, '');
  const shown = allDecimals.slice(0, SHOWN_DECIMALS);
  const approx = shown.length < allDecimals.length ? '≈ ' : '';
  const sign = negative ? '−' : '';
  return {
    text: `${approx}${sign}${whole}${shown ? '.' + shown : ''} ${unit}`,
    exact: `${sign}${whole}${allDecimals ? '.' + allDecimals : ''} ${unit} (${wei} wei)`,
  };
}

function showWei(element, wei, unit) {
  const amount = formatWei(wei, unit);
  element.textContent = amount.text;
  element.title = amount.exact;
}

function formatBytes(bytes) {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

function formatTime(iso) {
  return iso ? new Date(iso).toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' }) : '—';
}

function setConnection(state, text) {
  const badge = $('connection');
  badge.className = `connection ${state}`;
  if (badge.textContent !== text) badge.textContent = text; // re-announced only when it changes
  connected = state === 'connected';
  $('content').classList.toggle('stale', !connected);
  updateButtons();
}

// A button that gets disabled while it has the focus hands it to the next possible action, so that
// keyboard users keep their place (after Join, Pause has the focus).
function updateButtons() {
  const focused = buttons.find((button) => button === document.activeElement);
  for (const button of buttons) {
    button.disabled = !connected || !allowed.includes(button.dataset.action);
  }
  if (focused && focused.disabled) {
    buttons.find((button) => !button.disabled)?.focus();
  }
}

function render(view) {
  allowed = view.actions;
  const requestDone = shownStatus !== null && view.status !== shownStatus;
  if (requestDone && !$('action-message').classList.contains('error')) {
    say('', false); // what it said was requested has happened
  }
  shownStatus = view.status;
  $('status').textContent = STATUS_WORDS[view.status] || view.status;
  $('activity').textContent = view.activity;
  $('address').textContent = view.wallet.address;
  showWei($('ether'), view.wallet.ether, 'ETH');
  showWei($('cnx'), view.wallet.cnx, 'CNX');
  showWei($('staked'), view.wallet.staked, 'CNX');
  $('gpu-name').textContent = view.gpu.name;
  $('gpu-vram').textContent = formatBytes(view.gpu.vramBytes);
  renderTask(view.task);
  renderHistory(view.history);
  renderLogs(view.logs);
  updateButtons();
}

function renderTask(task) {
  $('no-task').hidden = task !== null;
  $('task').hidden = task === null;
  if (task === null) return;
  $('task-id').textContent = `#${task.taskId}`;
  $('task-stage').textContent = task.stage;
  $('task-started').textContent = formatTime(task.started);
  const progress = $('task-progress');
  if (task.totalSteps > 0) {
    progress.max = task.totalSteps;
    progress.value = task.step;
    $('task-steps').textContent =
      `step ${task.step} of ${task.totalSteps} (${Math.round((100 * task.step) / task.totalSteps)}%)`;
  } else {
    progress.removeAttribute('value'); // indeterminate until the engine runs
    $('task-steps').textContent = 'preparing';
  }
}

function renderHistory(history) {
  $('no-history').hidden = history.length > 0;
  $('history').hidden = history.length === 0;
  $('earnings').hidden = history.length === 0;
  const headings = Array.from(document.querySelectorAll('#history th'), (th) => th.textContent);
  const rows = history.map((record) => {
    const row = document.createElement('tr');
    const earned = formatWei(record.earned, 'CNX');
    const cells = [`#${record.taskId}`, formatTime(record.started), formatTime(record.ended),
      record.outcome, earned.text];
    cells.forEach((text, i) => {
      const cell = document.createElement('td');
      cell.textContent = text;
      cell.dataset.label = headings[i]; // the heading, shown beside the value on narrow screens
      if (i === cells.length - 1) {
        cell.className = `amount ${BigInt(record.earned) < 0n ? 'loss' : 'gain'}`;
        cell.title = earned.exact;
      }
      row.append(cell);
    });
    return row;
  });
  $('history-rows').replaceChildren(...rows);
  const total = history.reduce((sum, record) => sum + BigInt(record.earned), 0n);
  showWei($('total-earned'), total.toString(), 'CNX');
}

function logKey(entry) {
  return `${entry.time}|${entry.level}|${entry.message}`;
}

function logItem(entry) {
  const item = document.createElement('li');
  const level = entry.level.toLowerCase();
  item.className = `level-${level}`;
  const time = document.createElement('time');
  time.dateTime = entry.time;
  time.textContent = new Date(entry.time).toLocaleTimeString();
  const label = document.createElement('span');
  label.className = 'level';
  label.textContent = { info: 'Info', warn: 'Warning', error: 'Error' }[level] || entry.level;
  const message = document.createElement('span');
  message.textContent = entry.message;
  item.append(time, label, message);
  if (level !== 'info') {
    const found = EXPLANATIONS.find(([pattern]) => pattern.test(entry.message));
    if (found || level === 'error') {
      const explain = document.createElement('span');
      explain.className = 'explain';
      explain.textContent = `What this means: ${found ? found[1]
        : 'the node hit a problem it could not solve on its own. The entries around it say more.'}`;
      item.append(explain);
    }
  }
  return item;
}

// Entries arrive both in snapshots and as log events: each is shown once, newest first, and only
// new ones are added so that screen readers announce just those.
function renderLogs(entries) {
  entries.forEach(addLog);
}

function addLog(entry) {
  const key = logKey(entry);
  if (logKeys.has(key)) return;
  logKeys.add(key);
  const list = $('logs');
  const item = logItem(entry);
  item.dataset.key = key;
  list.prepend(item);
  while (list.children.length > MAX_LOGS) {
    logKeys.delete(list.lastElementChild.dataset.key);
    list.lastElementChild.remove();
  }
  $('no-logs').hidden = true;
}

function expectEvents() {
  clearTimeout(silenceTimer);
  silenceTimer = setTimeout(() => dropped('no news from the node for 30 s'), SILENCE_LIMIT_MS);
}

function connect() {
  setConnection('connecting', 'Connecting to the node…');
  source = new EventSource('api/events');
  source.addEventListener('snapshot', (event) => {
    retryMs = 1000;
    setConnection('connected', 'Connected: live');
    expectEvents();
    render(JSON.parse(event.data));
  });
  source.addEventListener('log', (event) => {
    expectEvents();
    addLog(JSON.parse(event.data));
  });
  source.addEventListener('ping', expectEvents);
  source.onerror = () => dropped('the connection to the node was lost');
}

function dropped(why) {
  if (source === null) return;
  source.close();
  source = null;
  clearTimeout(silenceTimer);
  const seconds = Math.round(retryMs / 1000);
  setConnection('disconnected', `Disconnected: ${why}. Retrying in ${seconds} s…`);
  setTimeout(connect, retryMs);
  retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
}

function say(text, isError) {
  const message = $('action-message');
  message.textContent = text;
  message.classList.toggle('error', isError);
}

async function request(action) {
  if (pending !== null) return; // one request at a time
  pending = action;
  $('actions').setAttribute('aria-busy', 'true');
  try {
    const response = await fetch(`api/${action}`, { method: 'POST' });
    if (response.status === 202) {
      say(`${action[0].toUpperCase()}${action.slice(1)} requested; the node is on it.`, false);
    } else {
      const body = await response.json().catch(() => ({}));
      say(body.error || `The node refused (HTTP ${response.status}).`, true);
    }
  } catch (e) {
    say(`Could not reach the node to ${action}: is it still running?`, true);
  } finally {
    pending = null;
    $('actions').removeAttribute('aria-busy');
  }
}

for (const button of buttons) {
  button.addEventListener('click', () => request(button.dataset.action));
}
connect();
