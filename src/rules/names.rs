//! Closed sets of named values (an asset kind, a config dialect, an image fit, a DHCP server
//! format): one way to name, list and parse them, shared by the layouts, the release manifest and
//! the command line (which builds its list of possible values from [`Named::CHOICES`]).
//!
//! A type gets it from [`named_values!`]: the trait, an inherent `name()`, `Display` and `FromStr`.

/// A type whose values each have one name.
pub trait Named: Sized + Copy + PartialEq + 'static {
    /// Every value with its name and a one-line description ("" for none), in the order shown.
    const CHOICES: &'static [(Self, &'static str, &'static str)];

    /// Every name, in the order shown.
    fn names() -> Vec<&'static str> {
        Self::CHOICES.iter().map(|&(_, name, _)| name).collect()
    }

    /// The value of a name, in any case; the error lists the names there are.
    fn from_name(text: &str) -> Result<Self, UnknownName> {
        Self::CHOICES
            .iter()
            .find(|(_, name, _)| name.eq_ignore_ascii_case(text))
            .map(|&(value, _, _)| value)
            .ok_or_else(|| UnknownName { given: text.to_string(), choices: Self::names() })
    }
}

/// A name that is none of a type's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    pub given: String,
    pub choices: Vec<&'static str>,
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "'{}' is not one of {}", self.given, self.choices.join(", "))
    }
}

impl std::error::Error for UnknownName {}

/// Implements [`Named`], an inherent `name()`, `Display` and `FromStr` for an enum from its
/// variants' names and descriptions:
/// `named_values!(Fit { Auto = "auto": "Cover for wallpapers…", Cover = "cover": "" });`
macro_rules! named_values {
    ($ty:ident { $($variant:ident = $name:literal : $help:literal),+ $(,)? }) => {
        impl $crate::rules::names::Named for $ty {
            const CHOICES: &'static [(Self, &'static str, &'static str)] = &[$(($ty::$variant, $name, $help)),+];
        }

        impl $ty {
            /// Its name in layouts, manifests and on the command line.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::rules::names::UnknownName;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                <$ty as $crate::rules::names::Named>::from_name(text)
            }
        }
    };
}
pub(crate) use named_values;

#[cfg(test)]
mod tests {
    use super::Named;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Shade {
        Light,
        Dark,
    }
    named_values!(Shade { Light = "light": "", Dark = "dark": "The dark one" });

    #[test]
    fn names_parse_in_any_case_and_errors_list_the_choices() {
        assert_eq!(Shade::names(), ["light", "dark"]);
        assert_eq!("DARK".parse::<Shade>(), Ok(Shade::Dark));
        assert_eq!(Shade::Light.to_string(), "light");
        assert_eq!("grey".parse::<Shade>().unwrap_err().to_string(), "'grey' is not one of light, dark");
    }
}
