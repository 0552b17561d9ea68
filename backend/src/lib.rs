//! jobber-app
