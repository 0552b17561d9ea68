//! A local stand-in for Jobber.
