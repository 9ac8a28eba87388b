//! Reads a ticket image: QR and NW-7 codes, the OCR line, and the verdict
