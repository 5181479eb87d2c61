//! One module per GOV.UK Frontend component.

mod back_link;
mod breadcrumbs;
mod button;
mod choices;
mod date_input;
mod details;
mod error_message;
mod error_summary;
mod fieldset;
mod form_group;
mod generic_header;
mod hint;
mod input;
mod inset_text;
mod label;
mod notification_banner;
mod pagination;
mod panel;
mod phase_banner;
mod select;
mod service_navigation;
mod skip_link;
mod summary_list;
mod table;
mod tag;
mod textarea;
mod warning_text;

pub use back_link::BackLink;
pub use breadcrumbs::{Breadcrumbs, BreadcrumbsItem};
pub use button::Button;
pub use choices::{
    CheckboxItem, Checkboxes, ChoiceConditional, ChoiceItem, ChoiceItemLabel, RadioItem, Radios,
};
pub use date_input::{DateInput, DateInputItem};
pub use details::Details;
pub use error_message::ErrorMessage;
pub use error_summary::{ErrorSummary, ErrorSummaryItem};
pub use fieldset::{Fieldset, Legend};
pub use form_group::{FormGroup, TextOrHtml};
pub use generic_header::GenericHeader;
pub use hint::Hint;
pub use input::{Input, InputAffix, InputWrapper};
pub use inset_text::InsetText;
pub use label::Label;
pub use notification_banner::NotificationBanner;
pub use pagination::{Pagination, PaginationItem, PaginationLink};
pub use panel::{Panel, PanelAction, PanelActions};
pub use phase_banner::PhaseBanner;
pub use select::{Select, SelectItem};
pub use service_navigation::{
    EndSlot, ServiceNavigation, ServiceNavigationItem, ServiceNavigationSlots,
};
pub use skip_link::SkipLink;
pub use summary_list::{
    SummaryCard, SummaryCardTitle, SummaryList, SummaryListAction, SummaryListActions,
    SummaryListRow, SummaryListText,
};
pub use table::{Table, TableCell};
pub use tag::Tag;
pub use textarea::Textarea;
pub use warning_text::WarningText;
