import type { MessageContent } from './channel.port.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Body lines (label: value, then items, then footer), each passed through `esc`. */
export function renderText(content: MessageContent, esc: (s: string) => string = (s) => s): string[] {
  return [
    ...content.lines.map((l) => `${esc(l.label)}: ${esc(l.value)}`),
    ...content.items.map((i) => `• ${esc(i)}`),
    ...(content.footer ? [esc(content.footer)] : []),
  ];
}

/** Markdown shared by Feishu cards, DingTalk and WeCom (bold labels, quoted lines). */
export function renderMarkdown(content: MessageContent): string {
  return [
    ...content.lines.map((l) => `**${l.label}** ${l.value}`),
    ...content.items.map((i) => `- ${i}`),
    ...(content.footer ? [`> ${content.footer}`] : []),
  ].join('\n');
}

export function renderHtml(content: MessageContent): string {
  const rows = content.lines
    .map((l) => `<tr><td><b>${escapeHtml(l.label)}</b></td><td>${escapeHtml(l.value)}</td></tr>`)
    .join('');
  const items = content.items.length
    ? `<ul>${content.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`
    : '';
  const footer = content.footer ? `<p style="color:#888">${escapeHtml(content.footer)}</p>` : '';
  return `<h3>${escapeHtml(content.title)}</h3><table>${rows}</table>${items}${footer}`;
}
