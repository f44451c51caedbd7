-- A track's audio (artist.tracks TrackAudioUploaded): the bytes are in the media store
-- under audio_hash (sha256 hex); the row only says which bytes, so a rebuilt view has the
-- audio again without anyone uploading it. Null while no audio was uploaded.
alter table tracks
  add column audio_hash text,
  add column audio_codec text,
  add column audio_mime_type text,
  add column audio_duration_ms int,
  add column audio_size_bytes bigint;
