/** The sentences plan, migrate and prepare say about the source's deletes (issue 22, item 7). */
import { sourceDeleteNotes } from '../../src/drivers/delete-notes';
import type { DeleteBehaviour } from '../../src/drivers/types';

const plain: DeleteBehaviour = { bucket: 'docs', versioning: 'off', objectLock: 'off' };

test('--nodelete: nothing is deleted, whatever the bucket', () => {
  expect(sourceDeleteNotes({ ...plain, versioning: 'enabled' }, true)).toEqual([
    {
      text:
        'none (--nodelete): migrate deletes nothing at the source; every source stays stored (and billable) ' +
        'where it is, and rollback can point documents back at it',
      attention: false,
    },
  ]);
});

test('a driver with nothing to say says nothing', () => {
  expect(sourceDeleteNotes(undefined, false)).toEqual([]);
});

test('not versioned: information only', () => {
  expect(sourceDeleteNotes(plain, false)).toEqual([
    {
      text: "source bucket docs is not versioned: migrate's deletes remove the sources and free their space",
      attention: false,
    },
  ]);
});

test('versioning enabled, suspended, with MFA delete', () => {
  expect(sourceDeleteNotes({ ...plain, versioning: 'enabled' }, false)).toEqual([
    {
      text:
        "source bucket docs has versioning enabled: migrate's deletes add delete markers; the old versions stay " +
        'stored and billable until a lifecycle rule expires them (NoncurrentVersionExpiration) (migrate ' +
        '--reclaim-versions deletes the migrated ones)',
      attention: true,
    },
  ]);
  expect(sourceDeleteNotes({ ...plain, versioning: 'enabled' }, false, true)).toEqual([
    {
      text:
        'source bucket docs has versioning enabled: with --reclaim-versions, migrate deletes each migrated ' +
        'version after its delete marker and frees its space (versions from before the migration stay)',
      attention: false,
    },
  ]);
  expect(sourceDeleteNotes({ ...plain, versioning: 'suspended' }, false)[0]?.text).toBe(
    "source bucket docs has versioning suspended: migrate's deletes add delete markers; versions written while " +
      'versioning was enabled stay stored and billable until a lifecycle rule expires them ' +
      '(NoncurrentVersionExpiration)',
  );
  expect(sourceDeleteNotes({ ...plain, versioning: 'enabled', mfaDelete: true }, false)[0]?.text).toMatch(
    /; MFA delete is on, so only the root account with its MFA device can delete them$/,
  );
});

test('unknown versioning and Object Lock say why and what it may mean', () => {
  expect(
    sourceDeleteNotes(
      {
        bucket: 'docs',
        versioning: 'unknown',
        versioningUnknown: 's3:GetBucketVersioning not granted: AccessDenied',
        objectLock: 'unknown',
        objectLockUnknown: 's3:GetBucketObjectLockConfiguration not granted: AccessDenied',
      },
      false,
    ),
  ).toEqual([
    {
      text:
        "could not read source bucket docs's versioning (s3:GetBucketVersioning not granted: AccessDenied): if it " +
        "is versioned, migrate's deletes only add delete markers and the old versions stay stored and billable",
      attention: true,
    },
    {
      text:
        "could not read source bucket docs's Object Lock configuration (s3:GetBucketObjectLockConfiguration not " +
        'granted: AccessDenied): if Object Lock is on, objects under retention or a legal hold cannot be deleted',
      attention: true,
    },
  ]);
});

test('Object Lock: versioned (AWS) hides locked versions behind markers; unversioned refuses deletes', () => {
  const versioned = sourceDeleteNotes(
    {
      ...plain,
      versioning: 'enabled',
      objectLock: 'enabled',
      defaultRetention: { mode: 'COMPLIANCE', years: 7 },
    },
    false,
  );
  expect(versioned).toHaveLength(2);
  expect(versioned[1]).toEqual({
    text:
      'source bucket docs has Object Lock enabled (default retention COMPLIANCE, 7 year(s)): objects under ' +
      "retention or a legal hold cannot be deleted; migrate's deletes only hide them behind delete markers, and " +
      'the locked versions stay stored until their retention ends',
    attention: true,
  });
  const unversioned = sourceDeleteNotes({ ...plain, objectLock: 'enabled' }, false);
  expect(unversioned[1]?.text).toBe(
    'source bucket docs has Object Lock enabled: objects under retention or a legal hold cannot be deleted; ' +
      'migrate still moves their documents, keeps those sources and reports them (journal code source_kept, ' +
      'listed by status --failures); remove them once the lock allows it',
  );
});
