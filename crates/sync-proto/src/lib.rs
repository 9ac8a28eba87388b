//! Wire format of tablet-to-server sync: canonical encoding, device signatures, acknowledgements
