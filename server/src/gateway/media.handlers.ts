import type { types } from 'mediasoup';
import type { SocketContext } from './context.ts';

/** Media signaling: every id is looked up among the caller's own objects by the domain. */
export function mediaHandlers(ctx: SocketContext): void {
  const pid = ctx.data.participantId;

  ctx.handle('media:setup', ({ rtpCapabilities }) =>
    ctx.joined().media.setup(pid, rtpCapabilities as types.RtpCapabilities),
  );
  ctx.handle('media:connect', async ({ transportId, dtlsParameters }) => {
    await ctx.joined().media.connectTransport(pid, transportId, dtlsParameters as types.DtlsParameters);
  });
  ctx.handle('media:restartIce', async ({ transportId }) => ({
    iceParameters: await ctx.joined().media.restartIce(pid, transportId),
  }));
  ctx.handle('media:produce', async ({ transportId, kind, source, rtpParameters, paused, height }) => ({
    producerId: await ctx.joined().media.produce(pid, { transportId, kind, source, rtpParameters, paused: paused ?? false, ...(height !== undefined ? { height } : {}) }),
  }));
  ctx.handle('media:closeProducer', ({ producerId }) => {
    ctx.joined().media.closeProducer(pid, producerId);
  });
  ctx.handle('media:setProducerPaused', async ({ producerId, paused }) => {
    await ctx.joined().media.setProducerPaused(pid, producerId, paused);
  });
  ctx.handle('media:consume', async ({ producerId }) => ({
    consumer: await ctx.joined().media.consume(pid, producerId),
  }));
  ctx.handle('media:setConsumerPaused', async ({ consumerId, paused }) => {
    await ctx.joined().media.setConsumerPaused(pid, consumerId, paused);
  });
  ctx.handle('media:setPreferredLayers', async ({ consumerId, spatialLayer, temporalLayer }) => {
    await ctx.joined().media.setPreferredLayers(pid, consumerId, spatialLayer, temporalLayer);
  });
  ctx.handle('media:closeConsumer', ({ consumerId }) => {
    ctx.joined().media.closeConsumer(pid, consumerId);
  });
}
