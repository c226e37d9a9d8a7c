/**
 * Stand-in handlers for the task types of the example blueprints in blueprints/, so that
 * `switchyard worker --tasks all` runs every example end to end. They do no real work; they return
 * the data that the blueprints read (tracking numbers, page texts, rendition urls...).
 */
import { randomUUID } from 'node:crypto';
import { InvalidInputError } from './errors.js';
import type { TaskHandler } from './handler.js';

const id = (prefix: string): string => `${prefix}_${randomUUID().slice(0, 8)}`;

const text = (value: unknown, name: string): string => {
  if (typeof value !== 'string' || value === '') throw new InvalidInputError(`params.${name} must be a non-empty string`);
  return value;
};

/** Waits a little with progress, so the console and the job's `progress` have something to show. */
const work = async (ctx: Parameters<TaskHandler>[1], ms: number): Promise<void> => {
  for (let step = 1; step <= 4; step += 1) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms / 4);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.signal.reason);
      }, { once: true });
    });
    ctx.progress(step / 4);
  }
};

export const DEMO_HANDLERS: Readonly<Record<string, TaskHandler>> = {
  // document_ocr
  'doc.split': (task) => ({ data: { page_count: Array.isArray(task.params.pages) ? task.params.pages.length : 0 } }),
  'doc.ocr': async (task, ctx) => {
    await work(ctx, 200);
    return { data: { page: task.params.page, text: `Text of page ${String(task.params.page)}.` } };
  },
  'doc.assemble': (task) => {
    const pages = Array.isArray(task.params.pages) ? (task.params.pages as { text?: unknown }[]) : [];
    return { data: { text: pages.map((page) => (typeof page?.text === 'string' ? page.text : '')).join('\n') } };
  },
  // order_fulfilment and shipping
  'stock.reserve': (task) => {
    const items = Array.isArray(task.params.items) ? (task.params.items as { quantity?: unknown }[]) : [];
    // A demo rule, so the out_of_stock branch can be tried: more than 1000 of anything is not in stock.
    if (items.some((item) => typeof item?.quantity === 'number' && item.quantity > 1000)) return { status: 'out_of_stock' };
    return { data: { reservation_id: id('res') } };
  },
  'payment.charge': (task) => ({ data: { charge_id: id('ch'), charged_cents: task.params.amount_cents } }),
  'payment.refund': (task) => ({ data: { refund_id: id('re'), refunded_cents: task.params.amount_cents } }),
  'carrier.book': () => ({ data: { booking_id: id('bk'), pickup_at: new Date(Date.now() + 1000).toISOString() } }),
  'carrier.pickup': () => ({ data: { tracking_number: id('TRK').toUpperCase() } }),
  // expense_approval and order_fulfilment
  'notify.email': (task) => ({ data: { email_sent_to: task.params.to, message_id: id('msg') } }),
  'expense.pay': (task) => ({ data: { payment_id: id('pay'), paid_amount: task.params.amount } }),
  // video_transcoding
  'video.probe': (task) => {
    text(task.params.url, 'url');
    return { data: { duration_seconds: 62, width: 1920, height: 1080, format: 'mp4' } };
  },
  'video.transcode': async (task, ctx) => {
    const url = text(task.params.url, 'url');
    await work(ctx, 400);
    return { data: { url: `${url}.${String(task.params.height)}p.mp4`, height: task.params.height } };
  },
  'video.thumbnail': (task) => ({ data: { thumbnail_url: `${text(task.params.url, 'url')}.jpg` } }),
  'video.quality_check': () => ({ status: 'success', data: { quality: 'ok' } }),
  'video.publish': (task) => ({ data: { published_url: `https://videos.example/${String(task.params.channel)}/${id('v')}` } }),
};
