/**
 * The public API of the ledger primitives, exported as `custos/ledger` for outside auditors:
 * RFC 9162 Merkle proofs, C2SP signed notes, checkpoints, cosignatures and tiles. Nothing here
 * touches the store or the server.
 */
export {
  type Checkpoint,
  cosignatureTimestamp,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCosignature,
  verifyCosignature,
} from './checkpoint.js';
export {
  compactRangeNodes,
  consistencyProof,
  emptyRoot,
  HASH_SIZE,
  hashChildren,
  hashLeaf,
  inclusionProof,
  isValidConsistency,
  isValidInclusion,
  type NodeReader,
  rootFromInclusionProof,
  rootFromLeafHashes,
  type SubtreeHash,
  treeRoot,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';
export { CompactRange } from './merkle.range.js';
export {
  isValidSubtree,
  subtreeConsistencyProof,
  subtreeInclusionProof,
  subtreeRoot,
  verifySubtreeConsistency,
  verifySubtreeInclusion,
} from './merkle.subtree.js';
export {
  cosignatureMessage,
  formatSignatureLine,
  type NoteSignature,
  type OpenedNote,
  type OpenNoteOptions,
  openNote,
  parseSignatureLine,
  signNote,
} from './note.js';
export {
  COSIGNATURE_V1,
  computeKeyId,
  ED25519,
  formatKeyId,
  formatVerifierKey,
  generateKey,
  isValidKeyName,
  keyPairFromSeed,
  parseSignerKey,
  parseVerifierKey,
  type SignatureType,
  type SignerKey,
  type VerifierKey,
} from './note.key.js';
export {
  formatProof,
  parseProof,
  proveInclusion,
  TLOG_PROOF_HEADER,
  verifyLogConsistency,
  verifyProof,
} from './proof.js';
export { type RecordProof, verifyRecordProof } from './recordproof.js';
export { directorySource, type LogSource, openSource, urlSource } from './source.js';
export {
  decodeEntryBundle,
  encodeEntryBundle,
  entriesPath,
  formatTileIndex,
  MAX_ENTRY_SIZE,
  parseTilePath,
  readTile,
  splitTile,
  TILE_HEIGHT,
  TILE_WIDTH,
  type TileCoordinate,
  type TileLevel,
  type TilePath,
  tileCoordinates,
  tilePath,
  tilesToWrite,
} from './tiles.js';
export { type VerifyLogResult, verifyLog } from './verify.js';
