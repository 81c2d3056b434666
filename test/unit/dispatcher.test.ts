import t from 'tap';
import { createdObjects, decodeObjectKey } from '../../processors/dispatcher/s3-event.ts';
import { weightedVote } from '../../processors/dispatcher/vote.ts';
import { PoisonError } from '../../platform/errors.ts';

const event = (records: unknown[]): Buffer => Buffer.from(JSON.stringify({ EventName: 's3:ObjectCreated:Put', Key: 'vitrina-uploads/x', Records: records }));

t.test('MinIO keys are URL-decoded ("/" as %2F, space as +, + as %2B)', async (t) => {
  t.equal(decodeObjectKey('probe%2F1795671989056+a%2Bb+%C3%BC.jpg'), 'probe/1795671989056 a+b ü.jpg');
});

t.test('created objects are read from the records; other events give none', async (t) => {
  const objects = createdObjects(event([
    { eventName: 's3:ObjectCreated:Put', s3: { bucket: { name: 'vitrina-uploads' }, object: { key: 'shots%2Fa+b.jpg', size: 1234, eTag: '5d41402abc4b2a76b9719d911017c592' } } },
    { eventName: 's3:ObjectRemoved:Delete', s3: { bucket: { name: 'vitrina-uploads' }, object: { key: 'gone.jpg' } } },
  ]));
  t.same(objects, [{ bucket: 'vitrina-uploads', key: 'shots/a b.jpg', etag: '5d41402abc4b2a76b9719d911017c592', size: 1234, eventName: 's3:ObjectCreated:Put' }]);
});

t.test('a notification that is not an S3 event is poison', async (t) => {
  t.throws(() => createdObjects(Buffer.from('not json')), PoisonError);
  t.throws(() => createdObjects(Buffer.from('{"hello":1}')), /no Records array/);
  t.throws(() => createdObjects(null), PoisonError);
  t.throws(() => createdObjects(event([{ eventName: 's3:ObjectCreated:Put', s3: { bucket: {} } }])), /without bucket name/);
});

t.test('the weighted vote picks the type with the most similarity', async (t) => {
  const vote = weightedVote([
    { articleType: 'Shirts', score: 0.9 },
    { articleType: 'Tshirts', score: 0.5 },
    { articleType: 'Tshirts', score: 0.5 },
    { articleType: null, score: 0.99 },
  ]);
  t.equal(vote.articleType, 'Tshirts');
  t.equal(Number(vote.confidence.toFixed(4)), Number((1.0 / 1.9).toFixed(4)));
  t.same(weightedVote([]), { articleType: null, confidence: 0 });
});
