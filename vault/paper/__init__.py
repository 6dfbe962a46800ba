"""The paper kit: frames, page layout and QR codes, PDFs, scanning, restoring."""
