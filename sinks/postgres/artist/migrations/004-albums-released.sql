-- New releases (GET /api/artist/albums): every album newest release first, in keyset pages
-- on (release_date, album_id); without it each page sorts the whole table.
create index albums_released on albums (release_date desc, album_id desc) where not deleted;
