"""The smallest files of each kind residents send that the byte sniffer (core.media) knows
for what they are: not playable, but stored, typed and served like the real thing."""

from __future__ import annotations

# a voice note as Telegram and WhatsApp record it: an Ogg stream (Opus inside)
VOICE_OGG = b"OggS\x00\x02" + bytes(58)
# a phone's video: an ISO base media file of brand mp42
VIDEO_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(40)
# a letter scanned to PDF
DOCUMENT_PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
# an MP3 recording, with its ID3 header
AUDIO_MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(40)
